"""Use cases on a desk: the façade commands and other front ends use."""
