"""The command line: options, the one error boundary, the environment."""
