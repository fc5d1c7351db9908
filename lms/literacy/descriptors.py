"""What each level means in each area, in a person's own words ("I can ...").

The self-rating of the baseline shows these as the choices, so that a rating means the same thing
to everyone; other pages may reuse them wherever a level needs explaining. One short line per level
per area, from daily work rather than from the frameworks behind the model (see
docs/literacy-model.md). Level 0 is "not yet", never "can't".
"""

from __future__ import annotations

# Area -> what it covers, in a phrase (shown under the area's name).
AREA_HINTS: dict[str, str] = {
    "foundations": "What AI tools are, how they work and where they fall short.",
    "delegation": "Deciding whether, when and how to use AI for a task in your job.",
    "directing": "Telling AI what you need: context, examples, trying again.",
    "evaluating": "Checking what AI gives you before you use it.",
    "responsible": "Privacy, confidential data, approved tools, saying when AI helped.",
    "context": "Your company's AI tools and rules, and who is affected when you use AI.",
    "leading": "Setting the direction for AI in your team and helping people use it well.",
}

# Area -> the descriptor of levels 0, 1, 2, 3 and 4.
DESCRIPTORS: dict[str, tuple[str, str, str, str, str]] = {
    "foundations": (
        "I'm not sure yet what AI chat assistants actually do.",
        "I can explain in simple words what an AI assistant does, and that it can make things up.",
        "I can tell which of my everyday tasks AI handles well and where it tends to go wrong.",
        "I can explain to a colleague why an AI tool gave an odd answer and what it cannot know.",
        "I can judge new AI tools and features for my team, knowing their strengths and limits.",
    ),
    "delegation": (
        "I haven't tried handing any part of my work to AI yet.",
        "I can name a task in my job where AI could help, once someone shows me how.",
        "I can decide on my own which routine tasks to give to AI and which to keep.",
        "I can split a complex piece of work into parts for AI and parts for me, and show others.",
        "I can redesign my team's work so AI takes the right tasks and people keep the judgement.",
    ),
    "directing": (
        "I haven't written a request to an AI tool yet.",
        "I can ask an AI tool a clear question and follow a prompt someone gave me.",
        "I can give AI the context, examples and format I need, and rephrase when it misses.",
        "I can get good results on unusual tasks by trying different approaches, and coach others.",
        "I can build prompts and templates that my whole team reuses in its everyday work.",
    ),
    "evaluating": (
        "I usually take what an AI tool says as it is.",
        "I know AI answers can be wrong or made up, and I check them when asked to.",
        "I can check an AI summary against the source before sending it.",
        "I can spot subtle problems in AI output, like bias, old facts or invented sources.",
        "I can set up how my team checks AI output before it reaches customers or decisions.",
    ),
    "responsible": (
        "I'm not sure what I may put into an AI tool and what I may not.",
        "I know not to paste customer or personal data into tools that aren't approved.",
        "I can stick to approved tools, keep confidential data out, and say when AI helped me.",
        "I can handle grey areas like copyright, sensitive data or disclosure, and advise others.",
        "I can shape the rules for using AI responsibly in my area and help people follow them.",
    ),
    "context": (
        "I don't know yet which AI tools and rules our company has.",
        "I know where to find our AI policy and which tools we may use.",
        "I can apply our AI policy to my own tasks and know who is affected when I use AI.",
        "I can work out what our policy means in new situations and explain the risks to others.",
        "I can help shape our company's AI policy and how AI comes into my part of the business.",
    ),
    "leading": (
        "I haven't talked with my team about how we use AI yet.",
        "I can talk with my team about AI and point them to training and the rules.",
        "I can set clear expectations for AI use in my team and use it openly myself.",
        "I can redesign my team's work around AI, coach people through it and recognise good use.",
        "I can set the direction for AI across several teams and change how we work as a company.",
    ),
}


def descriptor(area: str, level: int) -> str:
    """The "I can ..." line for ``level`` (0-4) in ``area``."""
    return DESCRIPTORS[area][level]
