"""Demo data for trying the portal on one machine (`flask demo ...`)."""
