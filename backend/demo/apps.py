from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo municipality (`manage.py setup_demo`): wiring across the reference apps and
    the routing engine, so it sits at the top, where importing any of them is allowed."""

    name = "backend.demo"
    label = "demo"
