"""Shows the assistant to people: the command line and the web chat."""
