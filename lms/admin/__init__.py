"""Administration: accounts, roles, deactivation and password reset links."""


def init_app(app) -> None:
    from . import views

    app.register_blueprint(views.bp)
