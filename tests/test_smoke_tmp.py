async def test_walk(mother):
    for m in await mother.say("/start"):
        print("BOT:", m.text, m.button_labels)
    for step in ["I agree", "United Kingdom", "UK time (London)", "09:00"]:
        for m in await mother.tap(step):
            print("BOT:", m.text, m.button_labels, m.keyboard)
    for m in await mother.say("03/04/2026"):
        print("BOT:", m.text, m.button_labels)
    for m in await mother.tap("3 April 2026"):
        print("BOT:", m.text, m.button_labels)
    for m in await mother.say("/help"):
        print("BOT:", m.text, m.button_labels)
    for m in await mother.say("/mydata"):
        print("BOT:", m.text, m.document)
