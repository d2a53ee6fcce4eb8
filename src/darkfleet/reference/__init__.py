"""Reference data shipped with darkfleet (ports, MID table, ...), each with a SOURCE note."""
