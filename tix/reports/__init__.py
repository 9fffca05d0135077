"""Pure reports: folded tickets in, report values out."""
