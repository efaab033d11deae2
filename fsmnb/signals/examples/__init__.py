"""Seed 004's examples, runnable: actions, the order and data-pipeline flows, sensors, a service.

Importing a module registers its actions (so MCP pipelines and routes can name them).
"""
