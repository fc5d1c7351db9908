"""The use-case library: employees share how they use AI at work (the task, the tool, the prompt
or steps, what they check, the time it saves, the risks); champions or programme owners review
each case before it is published; colleagues find, try and report published cases."""
