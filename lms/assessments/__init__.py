"""Role-play assessments: parsing, scoring, taking them, and grading written answers."""


def init_app(app) -> None:
    from . import views

    app.register_blueprint(views.bp)
