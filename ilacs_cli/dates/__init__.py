"""Dates as users type and read them, today and now in England, and what an English working day is: used by every
layer, importing none of them."""
