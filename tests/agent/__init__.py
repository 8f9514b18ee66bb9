"""Agent loop, adapters, stand-ins and the chat CLI."""
