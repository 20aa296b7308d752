"""Money: the commands that move it, their handlers by family, and the FinancialOrchestrator facade."""
