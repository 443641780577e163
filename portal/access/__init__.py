"""Client access codes: issued by staff after checking identity in person."""
