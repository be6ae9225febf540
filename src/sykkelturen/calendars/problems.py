from sykkelturen.problems import NotFound


class SubscriptionNotFound(NotFound):
    title, code = "Calendar subscription not found", "calendar_subscription_not_found"


class FeedNotFound(NotFound):
    title, code = "Calendar feed not found", "calendar_feed_not_found"
