"""`make bench`: REST, Strawberry, the graphene reference and a raw Django floor, side by side."""
