"""The settings page: server-rendered pages where users manage their own models.

``web_pages(settings)`` is an ``on_app_init`` hook: it adds the page routes, the vendored static
files, the Jinja templates, CSRF protection and the pages' security headers to the app.
"""

from entrypoints.web.setup import web_pages

__all__ = ["web_pages"]
