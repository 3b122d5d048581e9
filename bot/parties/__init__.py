"""Watch parties: planning, RSVPs, reminders, the countdown, and the posts, DMs and scheduled events
that carry them."""
