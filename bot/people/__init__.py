"""People across channels: link codes, joining two people into one, where to reach them."""
