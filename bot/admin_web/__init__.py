"""The web pages for Steunpunt coordinators and content administrators (`python -m bot
admin-web`, or ADMIN_WEB=1): a dashboard of aggregated figures, the review queue of
messages the assistant did not understand, and the handover overview.

The modules without web imports (models, masking, review, figures, accounts) are also used
by the action server and the command line; only ``app`` needs aiohttp's web stack.
"""
