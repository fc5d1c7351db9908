"""Recognition: badges earned by server-side rules, Open Badges, certificates, the wall, kudos."""
