"""Writes for the assistant, by responsibility: a text in and its reply (inbound), the web's messages
(web), the conversation found and locked (conversations), compliance keywords (compliance), what the
assistant answers (engine) and the knowledge base (knowledge)."""
