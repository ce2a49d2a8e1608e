"""The PR bot: GitHub webhooks in, ``/postwright`` commands answered in one sticky comment."""
