"""The canary of the agent portal: what the cohorts' traffic says (readings) and whether it may widen (guardrails)."""
