"""The HTTP and WebSocket edge: the app served for real, spoken to as clients do."""
