import chromadb

store = chromadb.EphemeralClient()
