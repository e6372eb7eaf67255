"""The providers' wire bodies, as their API references give them: one module per API family
(``openai`` for OpenAI and compatible servers, ``anthropic``, ``gemini``) and ``sse`` to frame
stream events. The contract suite and every stand-in build their bodies here."""
