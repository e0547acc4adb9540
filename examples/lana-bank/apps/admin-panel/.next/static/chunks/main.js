self.__chunk_admin-panel = 1;
