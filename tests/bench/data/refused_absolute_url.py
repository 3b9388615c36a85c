from locust import HttpUser, task


class MyUser(HttpUser):
    @task
    def get_orders(self):
        self.client.get("http://example.com/orders")
