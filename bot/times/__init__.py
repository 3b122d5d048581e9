"""Members' time zones and the times they type."""
