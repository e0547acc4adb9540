all_assets = []
