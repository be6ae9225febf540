from sykkelturen.problems import NotFound


class ContentNotFound(NotFound):
    title, code = "Content not found", "content_not_found"
