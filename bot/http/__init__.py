"""The bot's one HTTP server: webhooks, OAuth callbacks, signed file links, public pages.

``bot.http.app.build_app`` builds the app; ``bot.http.server.serve`` runs it.
"""
