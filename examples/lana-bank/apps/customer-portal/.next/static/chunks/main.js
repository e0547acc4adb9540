self.__chunk_customer-portal = 1;
