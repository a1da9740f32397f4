"""Server-rendered pages: each module parses a request, calls a flow and renders a template."""
