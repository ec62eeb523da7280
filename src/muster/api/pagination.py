"""Pages of API lists: ?page=N&page_size=M, at most MAX_PAGE_SIZE rows a page."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Numbered pages of 50 rows by default, up to 200 on request."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
