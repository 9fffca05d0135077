"""Output: text tables, CSV, Markdown, HTML, iCalendar."""
