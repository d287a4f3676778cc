throw new Error("no such sensor\nstack detail")
