"""The executor: a pure state machine and the service loop that feeds it executor messages."""
