"""Sending what people approved: the dispatcher (`delivery.dispatcher`), the webhook sender
(`delivery.webhook`) and the router that picks each action type's channel (`delivery.channels`)."""
