"""Custom actions served by rasa-sdk. They send responses by name, never text."""
