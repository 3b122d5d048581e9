"""How far each member has watched, and what each channel may show."""
