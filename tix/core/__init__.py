"""Pure rules: events in, numbers out; time, ids and policy passed in."""
