def test_new_then_show_json(desk):
    tid = desk.new("--title", "Printer offline", "--org", "contoso", "--impact", "2", "--urgency", "4")
    assert tid == "AB-0001"
    import json

    data = json.loads(desk.ok("show", tid, "--format", "json"))
    assert data["id"] == tid and data["priority"] == "normal" and data["score"] == 8
