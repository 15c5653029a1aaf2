"""Chat assistant for people on a benefit: Telegram front end, NLG, actions and store."""
