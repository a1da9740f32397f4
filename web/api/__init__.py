"""The JSON API of API.md: each module parses a request, calls a flow and renders it."""
