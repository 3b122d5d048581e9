"""Watch parties: planning, RSVPs, reminders, the countdown, and the posts, DMs and scheduled events
that carry them.

service.py is the parties without Discord (plans, rights, the timers it schedules) over repository.py,
its private storage; options.py reads the commands' episode options and suggests party numbers;
announce.py checks a new party's title and channel, publishes it and keeps its announcement, thread and
event in step with edits; timers.py is what its timers do when due (reminders, countdown, end, notices);
delivery.py gets those messages to each attendee once; posts.py builds the announcement, its lines and
buttons; events.py mirrors a party as a server event. cogs/watchparty.py only reads commands and answers.
"""
