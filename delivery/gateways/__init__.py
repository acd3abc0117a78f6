"""Named delivery gateways: the clearinghouse's SFTP mailbox, SRFax for faxes, Twilio for family texts.

Each gateway sends one approved action at most once per approval (a remembered provider id per
idempotency key, checked with the provider after an unknown outcome), retries transient failures with
capped backoff, and takes the destination from a resolver at send time. `GatewaySenders` puts them behind
the dispatcher's sender interface (`send(url, payload, key) -> SendOutcome`).
"""
