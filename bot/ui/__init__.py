"""Discord screens shared by every feature: pages with Previous / Next, answers rendered for their
reader, quoting user text."""
