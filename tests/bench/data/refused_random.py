import random
from locust import HttpUser, task, between

PRODUCTS = ["Laptop", "Phone"]


class MyUser(HttpUser):
    wait_time = between(1, 3)

    @task
    def create_order(self):
        self.client.post("/orders", json={"product": random.choice(PRODUCTS)})
