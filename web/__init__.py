"""The HTTP and WebSocket edge: thin around the domain packages."""
