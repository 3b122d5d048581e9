"""A local stand-in for Discord that the unmodified bot connects to over HTTP and WebSocket on 127.0.0.1."""
