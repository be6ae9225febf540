from sykkelturen.problems import NotFound


class TokenNotFound(NotFound):
    title, code = "Token not found", "token_not_found"
