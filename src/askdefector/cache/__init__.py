"""Stage 3b: what the local store keeps on disk, beside the corpus, so that nothing is done twice.

- ``files``: content hashes, atomic writes, the folder's write lock;
- ``vectors``: embeddings by model identity and text hash (``VectorCache``, ``embed_with_cache``);
- ``spans``: each article's sentence spans, so an unchanged article is not segmented again;
- ``lexical``: the BM25 index and each sentence's words, saved under a hash of all the texts.
"""
